# Every third-party library wardsoc links, found once here. All come from Debian 12's
# -dev packages (deploy/setup.sh installs them); a missing one is a configure error.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)  # syntax check before yaml-cpp

find_package(RocksDB REQUIRED CONFIG)
find_package(yaml-cpp REQUIRED CONFIG)
find_package(spdlog REQUIRED CONFIG)
find_package(fmt REQUIRED CONFIG)
find_package(simdjson REQUIRED CONFIG)
find_package(nlohmann_json REQUIRED CONFIG)
find_package(OpenSSL REQUIRED)
find_package(prometheus-cpp REQUIRED CONFIG)  # /metrics (prometheus-cpp-dev, core library)
find_package(CURL REQUIRED)  # curl.h for the webhook sink, which dlopens libcurl.so.4
find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)

find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
find_path(CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h REQUIRED)
find_path(CCTZ_INCLUDE_DIR cctz/time_zone.h REQUIRED)
find_library(CCTZ_LIBRARY cctz REQUIRED)
add_library(wardsoc_cctz INTERFACE)
target_include_directories(wardsoc_cctz INTERFACE ${CCTZ_INCLUDE_DIR})
target_link_libraries(wardsoc_cctz INTERFACE ${CCTZ_LIBRARY})

find_program(LOGGER_EXECUTABLE logger REQUIRED)
