"""Settings of the server extension, read from Jupyter's configuration."""

from __future__ import annotations

from traitlets import Bool, Float, Int, List, Unicode
from traitlets.config import Configurable


class JupyterMV(Configurable):
    """jupyter-mv's server settings (``c.JupyterMV.store_dir = ...``)."""

    store_dir = Unicode(
        "",
        config=True,
        help=(
            "The version store folder to use for every notebook, instead of the "
            "nearest .jupyter_mv found walking up from the notebook. Empty: walk up "
            "(the JUPYTER_MV_STORE environment variable, when set, is honoured)."
        ),
    )

    autoload = Bool(
        True,
        config=True,
        help=(
            "Load the jupyter-mv kernel extension (the %mv magic and file-access "
            "capture) in the IPython kernels this server starts. A JUPYTER_MV_AUTOLOAD "
            "already set in the server's environment is kept."
        ),
    )

    inject_agent = Bool(
        True,
        config=True,
        help=(
            "Start jupyter-mv's capture (the files cells read and write, the modules they "
            "import, metrics, params and a %mv that relays to this server) in Python kernels "
            "whose environment lacks jupyter-mv, through one silent execution when the "
            "kernel starts. False: such kernels' versions hold the notebook and the "
            "environment only."
        ),
    )

    agent_max_object_size = Int(
        2 * 1024**3,
        config=True,
        help="The largest model (in bytes, pickled) that %mv save in a kernel without jupyter-mv may send.",
    )

    kernel_timeout = Float(
        10.0,
        config=True,
        help=(
            "Seconds a snapshot from the sidebar waits for the notebook's kernel to tell "
            "which files its cells read and wrote. A kernel busy running a cell answers "
            "later; the snapshot then records the kernelspec's environment and no files, "
            "and says so."
        ),
    )

    remote_schemes = List(
        Unicode(),
        default_value=["s3", "sftp", "file"],
        config=True,
        help=(
            "The URL schemes a remote added or used through this server may have "
            "(a folder path counts as file). Others are refused with a 403."
        ),
    )

    remote_hosts = List(
        Unicode(),
        default_value=None,
        allow_none=True,
        config=True,
        help=(
            "The hosts (S3 buckets, SFTP servers) a remote added or used through this "
            "server may name. None (the default): any host. file:// remotes have no host."
        ),
    )
