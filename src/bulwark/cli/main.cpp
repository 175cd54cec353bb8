#include "bulwark/cli/app.hpp"

int main(int argc, char** argv) {
  return bulwark::cli::run(argc, argv);
}
