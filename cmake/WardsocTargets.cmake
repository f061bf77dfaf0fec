# Shared compile options and the helpers every folder uses to declare its library and
# its tests, so that all targets are built the same way.

add_library(wardsoc_options INTERFACE)
target_link_libraries(wardsoc_options INTERFACE Threads::Threads)
# -pthread everywhere, not only where a dependency adds it: test executables reuse one
# precompiled header, which GCC rejects if _REENTRANT differs between it and the test.
target_compile_options(wardsoc_options INTERFACE -Wall -Wextra -Wpedantic -pthread)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12's middle-end warnings fire on inlined std::string operations where nothing is
  # wrong (GCC bugs 105651, 105329: concatenation, replace); they would fail every -Werror
  # release build. The ASan+UBSan test build checks these accesses for real.
  target_compile_options(wardsoc_options INTERFACE -Wno-restrict -Wno-array-bounds
    -Wno-stringop-overflow)
endif()
if(WARDSOC_WARNINGS_AS_ERRORS)
  target_compile_options(wardsoc_options INTERFACE -Werror)
endif()
if(WARDSOC_SANITIZE)
  target_compile_options(wardsoc_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(wardsoc_options INTERFACE -fsanitize=address,undefined)
endif()
if(WARDSOC_SANITIZE_THREAD)
  target_compile_options(wardsoc_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns that TSan does not model std::atomic_thread_fence, which Boost.Asio's
    # fenced blocks use; the handoffs it guards also go through Asio's mutexes, which
    # TSan does see (a report there would show in the run, see .ci/tsan.supp).
    target_compile_options(wardsoc_options INTERFACE -Wno-tsan)
  endif()
  target_link_options(wardsoc_options INTERFACE -fsanitize=thread)
endif()

# wardsoc_library(NAME <target> SOURCES ... DEPS ...)
# One library per top-level folder; the folder's root is its public include root
# (headers are included as "ingest/syslog_parser.h").
function(wardsoc_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC wardsoc_options ${ARG_DEPS})
endfunction()

# The pieces every test executable shares: Boost.Test's main() compiled once, and one
# precompiled header with Boost.Test and the standard headers tests use most (built by
# wardsoc_test_pch, reused by all tests; they share its flags through wardsoc_options).
function(wardsoc_test_infrastructure)
  # Everything the `unit` label runs: the sanitizer build of `make test` builds only this.
  add_custom_target(wardsoc_unit_tests)
  # The tests of the threaded units, which the ThreadSanitizer build of `make test` builds
  # and runs (label tsan): store commit and outbox, the forwarder, the inputs, the engine's
  # workers and the batch queue between them. Chosen here by name, in one list.
  # Not in it: store_commit_test. TSan reports two reads of data RocksDB hands between its
  # own threads with atomics in Debian's uninstrumented, static library (a memtable value
  # read by parse_summary; a commit's WriteBatch merged into the write group an outbox ack
  # leads). Neither stack holds a rocksdb:: frame for .ci/tsan.supp to match, and
  # suppressing our own functions would hide real races; an instrumented RocksDB settles it.
  add_custom_target(wardsoc_tsan_tests)
  set_property(GLOBAL PROPERTY WARDSOC_TSAN_TESTS
    store_outbox_test ingest_syslog_tcp_input_test ingest_syslog_udp_input_test
    ingest_file_input_test ingest_http_input_test ingest_batch_builder_test
    detect_engine_test connectors_forwarder_test)
  add_library(wardsoc_test_main OBJECT ${PROJECT_SOURCE_DIR}/tests/support/test_main.cc)
  target_link_libraries(wardsoc_test_main PUBLIC wardsoc_options Boost::unit_test_framework)
  target_compile_definitions(wardsoc_test_main PUBLIC BOOST_TEST_DYN_LINK)

  add_library(wardsoc_test_pch OBJECT ${PROJECT_SOURCE_DIR}/tests/support/test_pch.cc)
  target_link_libraries(wardsoc_test_pch PUBLIC wardsoc_options Boost::unit_test_framework)
  target_compile_definitions(wardsoc_test_pch PUBLIC BOOST_TEST_DYN_LINK)
  target_precompile_headers(wardsoc_test_pch PUBLIC
    <boost/test/unit_test.hpp> <algorithm> <atomic> <chrono> <cstdint> <filesystem>
    <functional> <map> <memory> <optional> <set> <sstream> <string> <string_view> <thread>
    <vector>)
endfunction()

# wardsoc_test(NAME <name> SOURCES ... DEPS ... LABELS unit|integration|e2e [TIMEOUT s])
# The label says what the test needs:
#   unit         nothing but the build: no root, no outside program or file (the ASan pass
#                of `make test` runs exactly these)
#   integration  real outside parts: openssl, kcat, syslog-ng, fail2ban's files, python
#                receivers, a tmpfs mounted as root
#   e2e          whole `wardsoc` processes
# (fuzz is wardsoc_fuzz's; tsan is added from the list in wardsoc_test_infrastructure)
# One Boost.Test executable per test file, registered with ctest under its labels.
function(wardsoc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS;ENV" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES} $<TARGET_OBJECTS:wardsoc_test_main>)
  target_link_libraries(${ARG_NAME} PRIVATE wardsoc_options ${ARG_DEPS}
    Boost::unit_test_framework)
  target_precompile_headers(${ARG_NAME} REUSE_FROM wardsoc_test_pch)
  target_compile_definitions(${ARG_NAME} PRIVATE BOOST_TEST_DYN_LINK
    WARDSOC_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    WARDSOC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} --log_level=test_suite --report_level=short)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
  if("unit" IN_LIST ARG_LABELS)
    add_dependencies(wardsoc_unit_tests ${ARG_NAME})
  endif()
  get_property(tsan_tests GLOBAL PROPERTY WARDSOC_TSAN_TESTS)
  if(ARG_NAME IN_LIST tsan_tests)
    list(APPEND ARG_LABELS tsan)
    set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
    add_dependencies(wardsoc_tsan_tests ${ARG_NAME})
  endif()
  if(ARG_ENV)
    set_tests_properties(${ARG_NAME} PROPERTIES ENVIRONMENT "${ARG_ENV}")
  endif()
endfunction()

# wardsoc_fuzz(NAME <test> BINARY <libFuzzer executable> CORPUS <seed dir> [SECONDS s])
# Runs a libFuzzer target for a bounded time under ctest (label fuzz). It starts from the
# committed seeds and keeps what it finds in the build tree, so later runs go deeper;
# a crash fails the test and leaves the input that caused it next to the corpus. The seed
# is fixed, so that a run explores the same inputs on every machine: a failure in CI is
# one that a developer sees again, not chance. Deeper runs: the binary by hand, without
# -seed, for as long as you like.
function(wardsoc_fuzz)
  cmake_parse_arguments(ARG "" "NAME;BINARY;CORPUS;SECONDS" "" ${ARGN})
  if(NOT ARG_SECONDS)
    set(ARG_SECONDS 5)
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/corpus/${ARG_NAME})
  set(artifacts ${CMAKE_CURRENT_BINARY_DIR}/artifacts)
  file(MAKE_DIRECTORY ${work} ${artifacts})
  add_test(NAME ${ARG_NAME}
    COMMAND ${ARG_BINARY} -seed=1 -max_total_time=${ARG_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=8192 -print_final_stats=1 -artifact_prefix=${artifacts}/${ARG_NAME}-
            ${work} ${ARG_CORPUS})
  math(EXPR limit "${ARG_SECONDS} + 120")
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS fuzz TIMEOUT ${limit})
endfunction()
