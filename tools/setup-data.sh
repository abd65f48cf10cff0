# tools/setup-data.sh: makes sure the real dataset the tests and the demo use, Fashion-MNIST from Debian's
# dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist), is installed. Source it, then call
#   lethe_setup_fashion_mnist
# Installs the package with apt-get when it is missing and this user can (root, or sudo without a password);
# otherwise says what to run. Never fails the caller: the tests that need the data then skip, saying why, and
# .ci/run fails on those skips.
LETHE_FASHION_MNIST_DIR="${LETHE_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"

lethe_setup_fashion_mnist() {
    [ -f "$LETHE_FASHION_MNIST_DIR/train-images-idx3-ubyte.gz" ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo); else sudo=(none); fi
    fi
    if ! command -v apt-get >/dev/null 2>&1 || [ "${sudo[0]:-}" = none ]; then
        echo "setup: Fashion-MNIST is not installed at $LETHE_FASHION_MNIST_DIR and cannot be installed from here;" >&2
        echo "setup: run 'sudo apt-get install dataset-fashion-mnist' (the tests that need it skip until then)" >&2
        return 0
    fi
    echo "setup: installing Debian's dataset-fashion-mnist (Fashion-MNIST for the tests and the demo)" >&2
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dataset-fashion-mnist >&2; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dataset-fashion-mnist >&2 ||
            echo "setup: apt-get could not install dataset-fashion-mnist (the tests that need it skip)" >&2
    fi
    return 0
}
