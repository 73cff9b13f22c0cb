# Sourced by ./stoker and ./run-tests: find_java prints a java binary of version 21 or newer,
# looking at $JAVA_HOME, then java on PATH, then the JDKs under /usr/lib/jvm; or says what is missing.
major_of() { # prints the major version of the java binary $1, or nothing
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

find_java() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for d in /usr/lib/jvm/*/; do candidates+=("${d}bin/java"); done
  local best="" best_major=0 m
  for j in "${candidates[@]}"; do
    [ -x "$j" ] || continue
    m=$(major_of "$j" || true)
    [[ "$m" =~ ^[0-9]+$ ]] || continue
    if [ "$m" -ge 21 ]; then
      # the first acceptable one in order of preference wins
      echo "$j"; return 0
    fi
    [ "$m" -gt "$best_major" ] && { best="$j"; best_major=$m; }
  done
  echo "stoker: no Java 21 or newer found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm/*)." >&2
  [ -n "$best" ] && echo "stoker: the newest found is Java $best_major at $best." >&2
  echo "stoker: install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, or set JAVA_HOME." >&2
  return 1
}

