# PostgreSQL tests share one throwaway server, started by the fixture postgres_server before
# the first of them and stopped after the last (scripts/pg-test-server.sh). Its conninfo is
# written to ${_pg_dir}/conninfo, which the tests read through FANTASY_PG_CONNINFO_FILE.
#
# To use an existing server instead, set FANTASY_TEST_PG to its conninfo when running ctest:
# the fixture then starts and stops nothing, and every test uses that server (each in schemas
# of its own, named fx_<pid>_..., dropped at the end). Without either, the tests fail saying so.
if(FANTASY_WITH_POSTGRES AND TARGET conformance_postgres)
  set(_pg_dir ${CMAKE_BINARY_DIR}/pg-test-server)
  set(_pg_script ${PROJECT_SOURCE_DIR}/scripts/pg-test-server.sh)
  add_test(NAME postgres_server_start COMMAND bash -c
    "if [ -n \"\${FANTASY_TEST_PG:-}\" ]; then echo 'using FANTASY_TEST_PG'; exit 0; fi; \
     '${_pg_script}' stop '${_pg_dir}' >/dev/null 2>&1; exec '${_pg_script}' start '${_pg_dir}'")
  set_tests_properties(postgres_server_start PROPERTIES FIXTURES_SETUP postgres_server)
  add_test(NAME postgres_server_stop COMMAND bash -c
    "[ -n \"\${FANTASY_TEST_PG:-}\" ] || exec '${_pg_script}' stop '${_pg_dir}'")
  set_tests_properties(postgres_server_stop PROPERTIES FIXTURES_CLEANUP postgres_server)

  set(_pg_tests conformance_postgres)
  file(GLOB _pg_units CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_postgres_*.c)
  foreach(_src ${_pg_units})
    get_filename_component(_n ${_src} NAME_WE)
    list(APPEND _pg_tests ${_n})
  endforeach()
  set_tests_properties(${_pg_tests} PROPERTIES
    FIXTURES_REQUIRED postgres_server
    ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=STDOUT;FANTASY_PG_CONNINFO_FILE=${_pg_dir}/conninfo;FANTASY_PG_SCRIPT=${_pg_script}")
endif()
