# The two commands of the README, plus what they are made of.
#   make run   — install what is missing, build, run the pipeline on the embedded default
#   make test  — install what is missing (the test tools too), check the format, build,
#                run clang-tidy on changed files, the whole suite, then the unit tests under
#                ASan+UBSan and the threaded units' tests under ThreadSanitizer
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all setup setup-test build build-asan build-tsan run test test-release test-asan \
        test-tsan format format-check tidy tidy-all clean

all: build

# What building and running need; the test tools come with setup-test.
setup:
	@./deploy/setup.sh

setup-test:
	@./deploy/setup.sh --test

$(BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: setup $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
	  -DWARDSOC_SANITIZE=ON >/dev/null

# Only what the unit label runs: e2e, fuzz and bench programs are built by the Release build.
build-asan: setup $(ASAN_BUILD)/build.ninja
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target wardsoc_unit_tests

# ThreadSanitizer cannot share a process with ASan: a build of its own, of the tests
# labelled tsan only (the threaded units, tests/CMakeLists.txt).
$(TSAN_BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(TSAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
	  -DWARDSOC_SANITIZE_THREAD=ON >/dev/null

build-tsan: setup $(TSAN_BUILD)/build.ninja
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target wardsoc_tsan_tests

run: build
	@mkdir -p var
	@exec $(BUILD)/app/wardsoc run

# Format first (seconds, before any build), then the whole suite on the release build,
# clang-tidy on what changed, the unit tests again under ASan+UBSan so that memory errors
# and undefined behaviour fail the run, and the threaded units under ThreadSanitizer.
# Sequential even under make -j: the builds share two cores.
test: setup-test
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory test-release
	@$(MAKE) --no-print-directory tidy
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan

test-release: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# ingest_tcp_listener_test fills the descriptor table on purpose; UBSan's vptr check then
# cannot open the pipe() it reads objects through and reports every virtual call as made
# on an invalid object. It runs in the release build.
test-asan: build-asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -L unit -E '^ingest_tcp_listener_test$$' \
	  --output-on-failure -j $(JOBS)

# Races fail the run; .ci/tsan.supp lists the few reports inside libraries, each with why.
test-tsan: build-tsan
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/.ci/tsan.supp" \
	  ctest --test-dir $(TSAN_BUILD) -L tsan --output-on-failure -j $(JOBS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

# Fails on any difference from the root .clang-format; `make format` fixes it.
format-check:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror \
	  || { echo "format-check: run 'make format' and commit the result" >&2; exit 1; }

# clang-tidy on the files changed since .ci/tidy-baseline (see .ci/tidy.sh); tidy-all
# checks the whole tree.
tidy: $(BUILD)/build.ninja
	@.ci/tidy.sh $(BUILD)

tidy-all: $(BUILD)/build.ninja
	@.ci/tidy.sh $(BUILD) --all

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
