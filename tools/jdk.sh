# tools/jdk.sh: finds a JDK >= 25 for Lethe's scripts (./lethe, ./run-tests, .ci/run). Source it, then call
#   lethe_find_jdk || exit $?
# On success JAVA_HOME is exported (and its bin/ put first on PATH, so Maven uses it too). Search order:
#   1. $JAVA_HOME, when its java is >= 25;
#   2. the newest JDK 25 under /usr/lib/jvm (a directory named *25*), then the newest other JDK >= 25 there;
#   3. the java on PATH, when it is >= 25.
# Otherwise it prints what it found and how to fix it, and returns non-zero.
# LETHE_JVM_DIR overrides /usr/lib/jvm (used by tests of this script).

LETHE_MIN_JAVA=25

# Prints the full version of the java binary $1 ("25.0.1", "17.0.12", "1.8.0_292"), or nothing.
lethe_java_version() {
    "$1" -version 2>&1 | sed -n '1s/^[^"]*"\([^"]*\)".*$/\1/p'
}

# Prints the feature (major) release of a version string: "25.0.1" -> 25, "1.8.0_292" -> 8, "25-ea" -> 25.
lethe_java_major() {
    local v="${1%%[-+]*}" major
    major="${v%%.*}"
    if [ "$major" = 1 ]; then v="${v#1.}"; major="${v%%.*}"; fi
    case "$major" in ''|*[!0-9]*) echo 0 ;; *) echo "$major" ;; esac
}

# Succeeds when $1 is a JDK home (bin/java and bin/javac) whose java is >= LETHE_MIN_JAVA.
# Appends what it saw to the variable LETHE_JDK_SEEN, for the error message.
lethe_jdk_ok() {
    local home="$1" label="$2" version
    if [ ! -x "$home/bin/java" ]; then
        LETHE_JDK_SEEN+="  $label$home: no bin/java"$'\n'; return 1
    fi
    version="$(lethe_java_version "$home/bin/java")"
    if [ "$(lethe_java_major "$version")" -lt "$LETHE_MIN_JAVA" ]; then
        LETHE_JDK_SEEN+="  $label$home: java ${version:-of unknown version}"$'\n'; return 1
    fi
    if [ ! -x "$home/bin/javac" ]; then
        LETHE_JDK_SEEN+="  $label$home: java $version, but no javac (a JRE, not a JDK)"$'\n'; return 1
    fi
    return 0
}

lethe_use_jdk() {
    export JAVA_HOME="$1"
    case ":$PATH:" in *":$JAVA_HOME/bin:"*) ;; *) export PATH="$JAVA_HOME/bin:$PATH" ;; esac
}

lethe_find_jdk() {
    local jvm_dir="${LETHE_JVM_DIR:-/usr/lib/jvm}" home best="" best_version="" version on_path
    LETHE_JDK_SEEN=""

    if [ -n "${JAVA_HOME:-}" ] && lethe_jdk_ok "${JAVA_HOME%/}" "JAVA_HOME="; then
        lethe_use_jdk "${JAVA_HOME%/}"; return 0
    fi

    # Newest JDK 25 first (the release Lethe targets), then the newest of any later release.
    local pass
    for pass in 25 any; do
        for home in "$jvm_dir"/*; do
            [ -d "$home" ] || continue
            [ "$pass" = 25 ] && case "$(basename "$home")" in *25*) ;; *) continue ;; esac
            [ "$pass" = any ] && case "$(basename "$home")" in *25*) continue ;; esac
            lethe_jdk_ok "$home" "" || continue
            version="$(lethe_java_version "$home/bin/java")"
            if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best_version" "$version" | sort -V | tail -n1)" = "$version" ]; then
                best="$home"; best_version="$version"
            fi
        done
        if [ -n "$best" ]; then lethe_use_jdk "$best"; return 0; fi
    done

    on_path="$(command -v java 2>/dev/null || true)"
    if [ -n "$on_path" ]; then
        home="$(dirname "$(dirname "$(readlink -f "$on_path")")")"
        if lethe_jdk_ok "$home" "java on PATH: "; then lethe_use_jdk "$home"; return 0; fi
    fi

    {
        echo "error: Lethe needs a JDK $LETHE_MIN_JAVA or newer, and none was found."
        if [ -n "$LETHE_JDK_SEEN" ]; then
            echo "Found (too old or incomplete):"
            printf '%s' "$LETHE_JDK_SEEN"
        else
            echo "Found: no JAVA_HOME, nothing under $jvm_dir, no java on PATH."
        fi
        echo "Fix: install Temurin $LETHE_MIN_JAVA (https://adoptium.net/installation/linux/, package temurin-$LETHE_MIN_JAVA-jdk),"
        echo "     or set JAVA_HOME to a JDK $LETHE_MIN_JAVA+, e.g. export JAVA_HOME=/path/to/jdk-$LETHE_MIN_JAVA"
    } >&2
    return 1
}
