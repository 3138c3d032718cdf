# Every public header compiles alone as C11 and C++17 with -pedantic -Werror (STYLE.md "Headers").
# The script globs include/fantasy/ when the test runs, so headers added later are covered.
find_program(FANTASY_CXX_FOR_HEADERS NAMES g++ c++ clang++ DOC "C++ compiler for the header test")
set(_fantasy_hdr_cxx "")
if(FANTASY_CXX_FOR_HEADERS)
  set(_fantasy_hdr_cxx ${FANTASY_CXX_FOR_HEADERS})
endif()
add_test(NAME headers
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/header_check.sh ${PROJECT_SOURCE_DIR}/include
          ${CMAKE_C_COMPILER} ${_fantasy_hdr_cxx})
set_tests_properties(headers PROPERTIES TIMEOUT 300)
