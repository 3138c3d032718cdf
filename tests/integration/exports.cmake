# Export check (STYLE.md "Exports and ABI"): the shared library exports only fantasy_ symbols and
# still exports everything in abi/symbols.txt; additions are reported (they fail only with
# FANTASY_ABI_STRICT=1 in the environment). Globals check ("State and threads"): no writable
# global in the library's objects but the thread-local error slot.
add_test(NAME exports
  COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/check-exports
          --symbols ${PROJECT_SOURCE_DIR}/abi/symbols.txt $<TARGET_FILE:fantasy>)
add_test(NAME exports_globals
  COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/check-exports --globals $<TARGET_FILE:fantasy_static>)
set_tests_properties(exports exports_globals PROPERTIES TIMEOUT 120)
