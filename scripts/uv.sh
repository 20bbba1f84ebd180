# Sourced by the scripts here: puts uv on PATH. Uses the uv already installed if there is one,
# otherwise installs it from PyPI into .tools/ (a virtual environment, or pip --user without venv).
if ! command -v uv >/dev/null 2>&1; then
  if [ ! -x .tools/bin/uv ]; then
    echo "uv not found: installing it into .tools/ with pip" >&2
    if python3 -m venv .tools 2>/dev/null; then
      .tools/bin/python -m pip install --quiet --disable-pip-version-check uv
    else
      rm -rf .tools
      python3 -m pip install --quiet --user uv
      mkdir -p .tools/bin && ln -sf "$(python3 -m site --user-base)/bin/uv" .tools/bin/uv
    fi
  fi
  export PATH="$PWD/.tools/bin:$PATH"
fi
