# make run   - set up, build and run the guided ledger demo on the embedded store
# make test  - set up, build (ci preset: optimised, warnings as errors) and run every test
#              (PRESET=dev make test: the same tests under address and undefined-behaviour sanitizers)
# make bench - build the release preset and run the benchmarks (figures go to bench/README.md by hand)
# make format / make format-check - clang-format the tree / fail on drift

PRESET ?= ci
JOBS ?= 2
SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

.PHONY: setup build run test bench format format-check clean

setup:
	@bash scripts/setup

build: setup
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

run:
	@$(MAKE) --no-print-directory build PRESET=release
	./build/release/bulwark demo --db ./data/demo.db

test: build format-check
	ctest --preset $(PRESET) -j $(JOBS)

bench:
	@$(MAKE) --no-print-directory build PRESET=release
	./build/release/bench/ledger_bench

format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run --Werror $(SOURCES) && echo "format: clean"

clean:
	rm -rf build
