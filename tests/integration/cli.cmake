# The `fantasy` CLI contract: exit codes 0/1/2, JSON on stdout, `-` reads stdin (API.md "The CLI").
add_test(NAME cli
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_check.sh $<TARGET_FILE:fantasy_cli> ${PROJECT_VERSION})
set_tests_properties(cli PROPERTIES TIMEOUT 120)
