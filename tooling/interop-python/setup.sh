#!/usr/bin/env bash
# Makes (once) and prints the Python interpreter of the eventsource-py interop venv.
#
# The venv is keyed by the pinned requirements and the interpreter version and cached under
# ${EVENTSOURCE_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eventsource-interop-python}. It counts
# as built only once its `.complete` marker exists (a half-built one is rebuilt), and concurrent
# runs wait for each other (flock). Progress goes to stderr; stdout is only the interpreter's path.
#
# The interpreter: $EVENTSOURCE_INTEROP_PYTHON, else the newest python3.13+ found in pyenv's
# versions or on the PATH. eventsource-py 0.15.1 needs Python >= 3.13.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements.txt"
cache_root="${EVENTSOURCE_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eventsource-interop-python}"

progress() { printf '[interop-python] %s\n' "$*" >&2; }

supported() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1
}

find_python() {
  if [[ -n "${EVENTSOURCE_INTEROP_PYTHON:-}" ]]; then
    if supported "$EVENTSOURCE_INTEROP_PYTHON"; then
      printf '%s\n' "$EVENTSOURCE_INTEROP_PYTHON"
      return 0
    fi
    progress "EVENTSOURCE_INTEROP_PYTHON=$EVENTSOURCE_INTEROP_PYTHON is not Python >= 3.13"
    return 1
  fi
  local candidate
  for candidate in \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3 /root/.pyenv/versions/3.1[3-9]*/bin/python3 2>/dev/null | sort -rV) \
    $(command -v python3.14 python3.13 python3 2>/dev/null); do
    if supported "$candidate"; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  progress "no Python >= 3.13 found (pyenv versions, python3.13 on the PATH); set EVENTSOURCE_INTEROP_PYTHON"
  return 1
}

python="$(find_python)"
version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
key="$( (cat "$requirements"; echo "$version") | sha256sum | cut -c1-16)"
venv="$cache_root/venv-$key"

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9

if [[ -x "$venv/bin/python" && -f "$venv/.complete" ]]; then
  progress "cached venv $venv (Python $version)"
else
  started=$(date +%s)
  progress "creating venv for Python $version from $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  progress "installing $(grep -cv '^\s*\(#\|$\)' "$requirements") pinned packages from PyPI"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
  touch "$venv/.complete"
  progress "venv ready in $(($(date +%s) - started)) s: $venv"
fi

printf '%s\n' "$venv/bin/python"
