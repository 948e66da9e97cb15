# Fails unless include/rlvalue/rlvalue.hpp includes every public header.
# Usage: cmake -DINCLUDE_DIR=<repo>/include -P umbrella_check.cmake
file(READ ${INCLUDE_DIR}/rlvalue/rlvalue.hpp umbrella)
file(GLOB_RECURSE headers RELATIVE ${INCLUDE_DIR} ${INCLUDE_DIR}/rlvalue/*/*.hpp)
set(missing)
foreach(h IN LISTS headers)
  string(FIND "${umbrella}" "#include \"${h}\"" pos)
  if(pos EQUAL -1)
    list(APPEND missing ${h})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "rlvalue.hpp does not include: ${missing}")
endif()
