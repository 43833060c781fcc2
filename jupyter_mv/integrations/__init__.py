"""jupyter-mv beside the tools users already have.

- :mod:`.envfiles`: a version's environment as ``requirements.txt``, ``environment.yml``
  or PEP 751 ``pylock.toml``, and a check of it against a running interpreter;
- :mod:`.docker`: a Dockerfile and build context that rebuild and run a version;
- :mod:`.gitlog`: versions beside the git commits between them.

Each is core code (no server, kernel or widget imports); the CLI, the ``%mv`` magic
and the API are thin faces over it.
"""
