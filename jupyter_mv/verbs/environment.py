"""The verbs of environments: env (show, write as a file, check) and export (Docker, MLflow)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import InvalidInput
from ..progress import tqdm_progress
from .context import notebook_python, open_store, scope
from .output import EXIT_ERROR, Out

__all__ = ["cmd_env", "cmd_export"]


def cmd_env(args: argparse.Namespace, out: Out) -> int:
    from ..capture.environment import capture_environment, environment_summary

    python = getattr(args, "python", None)
    if args.output and not args.format:
        raise InvalidInput("-o/--output goes with --format")
    version = None
    if args.ref:
        from ..integrations.envfiles import version_environment

        version, env = version_environment(open_store(args), args.ref, notebook=scope(args))
    elif args.check:
        raise InvalidInput("--check needs the version to compare with: `env REF --check`")
    else:
        env = capture_environment(python)
    if args.format:
        return _write_env_file(args, env, version)
    if args.check:
        return _check_env(args, out, env, version, python)
    if args.json:
        out.json(env)
        return 0
    print(environment_summary(env))
    for pkg in env.get("packages", []):
        origin = pkg.get("origin") or {}
        extra = "" if origin.get("kind", "index") == "index" else f"  ({origin.get('kind')}: {origin.get('url', '')})"
        print(f"  {pkg['name']}=={pkg['version']}{extra}")
    return 0


def _write_env_file(args: argparse.Namespace, env: dict[str, Any], version: Any) -> int:
    from ..integrations.envfiles import environment_file, pins

    text = environment_file(env, args.format, version=version)
    if not args.output:
        sys.stdout.write(text)
        return 0
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    found = pins(env)
    local = [p.name for p in found if not p.resolvable]
    print(
        f"wrote {args.output} ({args.format}, {len(found) - len(local)} packages pinned"
        + (f"; not installable from it: {', '.join(local)}" if local else "")
        + ")"
    )
    return 0


def _check_env(args: argparse.Namespace, out: Out, env: dict[str, Any], version: Any, python: str | None) -> int:
    from ..integrations.envfiles import check_against

    if python is None and not getattr(args, "in_kernel", False):
        store = open_store(args)
        python = notebook_python(str(store.path_of(version.notebook)))
    result = check_against(env, python, version=version)
    if args.json:
        out.json(result)
        return 0 if result["same"] else EXIT_ERROR
    against = "this kernel" if getattr(args, "in_kernel", False) else result["python_executable"]
    if result["same"]:
        py = env.get("python") or {}
        print(
            f"{against} matches {version.label}: {py.get('implementation')} {py.get('version')}, "
            f"{result['unchanged']} packages"
        )
        return 0
    n = len(result["lines"])
    print(f"{version.label} and {against} differ ({n} difference{'s' if n != 1 else ''}):")
    for line in result["lines"]:
        print("  " + line)
    return EXIT_ERROR


def cmd_export(args: argparse.Namespace, out: Out) -> int:
    from ..integrations import export_version

    store = open_store(args)
    ref = args.ref or "latest"
    result = export_version(
        store, ref, dockerfile=args.dockerfile, mlflow=args.mlflow, notebook=scope(args), progress=tqdm_progress()
    )
    if args.mlflow:
        if args.json:
            out.json(result)
        else:
            run = result.get("run_id") or result.get("run") or ""
            verb = "logged" if result.get("created", True) else "already logged"
            print(f"{verb} {result.get('label') or ref} to MLflow at {args.mlflow}" + (f" as run {run}" if run else ""))
        return 0
    if args.json:
        out.json(result)
        return 0
    print(
        f"wrote a Docker build context for {result['label']} into {args.dockerfile} "
        f"({result['image']}, {len(result['files'])} files)"
    )
    for warning in result["warnings"]:
        print(f"  warning: {warning}", file=sys.stderr)
    print(f"build and run it: docker build -t IMAGE {args.dockerfile} && docker run --rm IMAGE")
    return 0
