// Drawing plots with gnuplot (Debian package gnuplot-nox) as a subprocess.
#pragma once

#include <map>
#include <string>

namespace pokebench::results {

// The executable found for `program` (a name looked up on PATH, or a path);
// "" when there is none.
std::string find_program(const std::string& program);

class Gnuplot {
 public:
  // Throws EnvironmentError naming the package to install when gnuplot is missing.
  explicit Gnuplot(const std::string& program = "gnuplot");
  const std::string& executable() const { return executable_; }

  // Runs `script` (which must not set terminal or output) with each data file
  // written first; "$NAME" in the script is replaced by the quoted path of
  // data file NAME. Returns the SVG element (no XML prolog), ready to inline.
  std::string render_svg(const std::string& script, const std::map<std::string, std::string>& data, int width,
                         int height) const;

 private:
  std::string executable_;
};

}  // namespace pokebench::results
