# The program shown in docs/getting-started.md must be examples/hello_park.c, from its first
# #include on, so the guide never drifts from the code that ctest runs.
#   cmake -DSOURCE=examples/hello_park.c -DGUIDE=docs/getting-started.md -P doc_snippet_check.cmake
file(READ "${SOURCE}" src)
file(READ "${GUIDE}" guide)
string(FIND "${src}" "#include" at)
string(SUBSTRING "${src}" ${at} -1 code)
string(FIND "${guide}" "```c\n#include <fantasy/fantasy.h>" start)
if(start EQUAL -1)
  message(FATAL_ERROR "${GUIDE}: no ```c block starting with #include <fantasy/fantasy.h>")
endif()
math(EXPR start "${start} + 5")
string(SUBSTRING "${guide}" ${start} -1 rest)
string(FIND "${rest}" "```" end)
string(SUBSTRING "${rest}" 0 ${end} shown)
if(NOT shown STREQUAL code)
  message(FATAL_ERROR "${GUIDE} shows a different program than ${SOURCE}: copy the file into the guide")
endif()
message(STATUS "${GUIDE} shows ${SOURCE} as it is")
