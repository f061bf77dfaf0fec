# The two commands of the README, plus what they are made of.
#   make run   — install what is missing, build, run the pipeline on the embedded default
#   make test  — install what is missing, build, run the whole test suite
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all setup build build-asan run test test-release test-asan format clean

all: build

setup:
	@./deploy/setup.sh

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

run: build
	@mkdir -p var
	@exec $(BUILD)/app/wardsoc run

# The whole suite on the release build, then the unit tests again under ASan+UBSan so
# that memory errors and undefined behaviour fail the run.
test: test-release test-asan

test-release: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: build-asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure -j $(JOBS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
