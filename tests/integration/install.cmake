# `cmake --install` into a temp prefix, then a small program builds and runs against it through
# pkg-config and through find_package(fantasy) -> fantasy::fantasy.
add_test(NAME install
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/install_check.sh ${PROJECT_BINARY_DIR}
          ${CMAKE_CURRENT_LIST_DIR}/consumer ${CMAKE_COMMAND} ${CMAKE_C_COMPILER})
set_tests_properties(install PROPERTIES TIMEOUT 600)
if(FANTASY_SANITIZE)
  # A sanitized library needs a sanitized consumer (the runtime must load first).
  string(REPLACE ";" "," _fantasy_consumer_san "${FANTASY_SANITIZE}")
  set_tests_properties(install PROPERTIES ENVIRONMENT
    "FANTASY_CONSUMER_FLAGS=-fsanitize=${_fantasy_consumer_san} -fno-omit-frame-pointer")
endif()
