# `fantasy park-day` with a small day: exit status 0 and "invariants: OK" in the summary, on
# memory: and (when built) on the default store, a SQLite file in a temporary directory; one
# run writes the HTML report, which park_day_check.py parses and checks for the three charts.
set(_pd_check /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/park_day_check.py $<TARGET_FILE:fantasy_cli>)
set(_pd_day --visitors 60 --threads 2 --seed 7 --quiet)
set(_pd_day3 --visitors 60 --threads 3 --seed 11 --quiet)

add_test(NAME park_day_memory
  COMMAND ${_pd_check} --expect "store memory:" -- ${_pd_day} -c store=memory:)
add_test(NAME park_day_report
  COMMAND ${_pd_check} --report ${CMAKE_CURRENT_BINARY_DIR}/park_day_report.html
          --expect "store memory:" -- ${_pd_day3} -c store=memory:)
set(_pd_tests park_day_memory park_day_report)
if(FANTASY_WITH_SQLITE)
  add_test(NAME park_day_sqlite COMMAND ${_pd_check} --expect "store sqlite" -- ${_pd_day})
  list(APPEND _pd_tests park_day_sqlite)
endif()
set_tests_properties(${_pd_tests} PROPERTIES TIMEOUT 120)
