# tools/setup-mpi.sh: makes sure Open MPI (Debian's openmpi-bin and libopenmpi-dev: mpirun and libmpi.so.40) is
# installed, for the multi-rank tests (MpiRun runs them under `mpirun -np 2`), `lethe launch` on cpu/cuda-emu and
# the MPI communicator. Source it, then call
#   lethe_setup_mpi
# Installs the packages with apt-get when mpirun or libmpi.so.40 is missing and this user can (root, or sudo
# without a password); otherwise says what to run. Never fails the caller: the multi-rank tests then FAIL (they do
# not skip), saying to install openmpi-bin.
lethe_setup_mpi() {
    if command -v mpirun >/dev/null 2>&1 && { ldconfig -p 2>/dev/null | grep -q 'libmpi\.so\.40 '; }; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo); else sudo=(none); fi
    fi
    if ! command -v apt-get >/dev/null 2>&1 || [ "${sudo[0]:-}" = none ]; then
        echo "setup: Open MPI (mpirun, libmpi.so.40) is not installed and cannot be installed from here;" >&2
        echo "setup: run 'sudo apt-get install openmpi-bin libopenmpi-dev' (the multi-rank tests fail until then)" >&2
        return 0
    fi
    echo "setup: installing Debian's openmpi-bin and libopenmpi-dev (Open MPI, for the multi-rank tests)" >&2
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openmpi-bin libopenmpi-dev >&2; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openmpi-bin libopenmpi-dev >&2 ||
            echo "setup: apt-get could not install openmpi-bin libopenmpi-dev (the multi-rank tests fail)" >&2
    fi
    return 0
}
