# Sourced by scripts that need programs from Debian's packages.
# need COMMAND[:PACKAGE]... installs the package of each command that is not on PATH (as root, or
# through sudo), so that a fresh Debian machine needs nothing but a JDK to build and test Stoker.
need() {
  local missing=() spec cmd pkg
  for spec in "$@"; do
    cmd=${spec%%:*}
    pkg=${spec#*:}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "stoker: installing ${missing[*]} from Debian's packages" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
