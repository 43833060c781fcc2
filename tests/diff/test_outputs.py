"""Outputs: stream text, mimebundles, images with pixel differences, errors."""

from __future__ import annotations

import base64
import copy
import io
import json

import pytest
from nbformat import v4


def _only_cell(d):
    (cell,) = d["notebook"]["cells"]
    return cell


def test_changed_stream_text_has_hunks_and_both_sides(notebook, code, stream, run_diff):
    a = notebook(code("train()", [stream("epoch 1 loss 0.9\nepoch 2 loss 0.5\n")], count=1))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0]["text"] = ["epoch 1 loss 0.9\n", "epoch 2 loss 0.4\n"]
    cell = _only_cell(run_diff(a, b))
    assert cell["changes"] == ["outputs"]
    (out,) = cell["outputs"]
    assert out["status"] == "changed" and out["output_type"] == "stream"
    assert out["a"]["output"]["text"] == "epoch 1 loss 0.9\nepoch 2 loss 0.5\n"
    assert out["b"]["output"]["text"] == "epoch 1 loss 0.9\nepoch 2 loss 0.4\n"  # lists joined
    (part,) = out["parts"]
    assert part["key"] == "text" and part["kind"] == "text"
    lines = [(x["op"], x["text"]) for x in part["hunks"][0]["lines"]]
    assert lines == [(" ", "epoch 1 loss 0.9"), ("-", "epoch 2 loss 0.5"), ("+", "epoch 2 loss 0.4")]


def test_changed_png_reports_share_of_pixels_and_a_diff_image(notebook, code, display, png, run_diff):
    before = png((40, 30))
    after = png((40, 30), box=(0, 0, 9, 4))  # 10 x 5 = 50 pixels of 1,200 turn red
    a = notebook(code("plot()", [display({"image/png": before, "text/plain": "<Figure>"})], count=1))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0]["data"]["image/png"] = after
    cell = _only_cell(run_diff(a, b))
    (out,) = cell["outputs"]
    assert out["a"]["output"]["data"]["image/png"] == before  # both sides kept for side-by-side display
    assert out["b"]["output"]["data"]["image/png"] == after
    (part,) = out["parts"]  # text/plain did not change
    assert part["key"] == "image/png" and part["kind"] == "image"
    img = part["image"]
    assert img["same_size"] is True
    assert img["a"] == img["b"] == {"width": 40, "height": 30}
    assert img["changed_pixels"] == 50
    assert img["changed_share"] == pytest.approx(50 / 1200)
    from PIL import Image

    diff_img = Image.open(io.BytesIO(base64.b64decode(img["diff_png"]))).convert("RGB")
    assert diff_img.size == (40, 30)
    assert diff_img.getpixel((2, 2)) == (220, 20, 60)  # changed: red
    assert diff_img.getpixel((30, 20)) != (220, 20, 60)  # unchanged: faded


def test_images_of_different_size_get_no_pixel_share(notebook, code, display, png, run_diff):
    a = notebook(code("plot()", [display({"image/png": png((40, 30))})]))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0]["data"]["image/png"] = png((80, 60))
    (part,) = _only_cell(run_diff(a, b))["outputs"][0]["parts"]
    img = part["image"]
    assert img["same_size"] is False
    assert (img["a"]["width"], img["b"]["width"]) == (40, 80)
    assert "changed_share" not in img and img["note"] == "images differ in size"


def test_jpeg_pixel_diff_tolerates_compression_noise(notebook, code, display, png, run_diff):
    before = png((64, 64), color=(120, 160, 200), fmt="JPEG")
    after = png((64, 64), color=(120, 160, 200), box=(0, 0, 31, 63), fmt="JPEG")  # left half turns red
    a = notebook(code("show()", [display({"image/jpeg": before})]))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0]["data"]["image/jpeg"] = after
    (part,) = _only_cell(run_diff(a, b))["outputs"][0]["parts"]
    share = part["image"]["changed_share"]
    assert 0.45 < share < 0.6  # about half, not every pixel the encoder touched


def test_without_pillow_images_still_diff_with_sizes(notebook, code, display, png, run_diff, monkeypatch):
    from jupyter_mv.diff import images

    monkeypatch.setattr(images, "_libs", lambda: None)
    a = notebook(code("plot()", [display({"image/png": png((40, 30))})]))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0]["data"]["image/png"] = png((40, 30), box=(1, 1, 3, 3))
    (part,) = _only_cell(run_diff(a, b))["outputs"][0]["parts"]
    img = part["image"]
    assert img["a"] == {"width": 40, "height": 30}  # read from the PNG header
    assert img["same_size"] is True
    assert "changed_share" not in img and "Pillow" in img["note"]


def test_html_and_text_mimes_change_separately(notebook, code, display, run_diff):
    a = notebook(
        code(
            "df",
            [
                display(
                    {"text/plain": "   x\n0  1", "text/html": "<table><td>1</td></table>"}, "execute_result", count=1
                )
            ],
            count=1,
        )
    )
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0]["data"]["text/html"] = "<table><td>2</td></table>"
    (out,) = _only_cell(run_diff(a, b))["outputs"]
    assert [(p["key"], p["status"], p["kind"]) for p in out["parts"]] == [("text/html", "changed", "text")]


def test_added_mime_and_json_mime(notebook, code, display, run_diff):
    a = notebook(code("show()", [display({"text/plain": "x", "application/json": {"a": 1}})]))
    b = copy.deepcopy(a)
    data = b["cells"][0]["outputs"][0]["data"]
    data["application/json"] = {"a": 2}
    data["text/markdown"] = "**x**"
    (out,) = _only_cell(run_diff(a, b))["outputs"]
    parts = {p["key"]: p for p in out["parts"]}
    assert parts["text/markdown"]["status"] == "added"
    assert parts["application/json"]["kind"] == "json"
    assert any(line["text"] == ' "a": 2' for line in parts["application/json"]["hunks"][0]["lines"])


def test_error_output_changes(notebook, code, run_diff):
    err = v4.new_output(
        "error", ename="KeyError", evalue="'age'", traceback=["\x1b[0;31mKeyError\x1b[0m", "KeyError: 'age'"]
    )
    a = notebook(code("df['age']", [err]))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0].update(evalue="'income'", traceback=["\x1b[0;31mKeyError\x1b[0m", "KeyError: 'income'"])
    (out,) = _only_cell(run_diff(a, b))["outputs"]
    parts = {p["key"]: p for p in out["parts"]}
    assert parts["evalue"]["a"] == "'age'" and parts["evalue"]["b"] == "'income'"
    tb_lines = [x["text"] for x in parts["traceback"]["hunks"][0]["lines"]]
    assert "KeyError" in tb_lines  # colour codes stripped for the line diff
    assert "ename" not in parts


def test_output_added_and_removed_keep_unchanged_outputs_for_context(notebook, code, stream, display, png, run_diff):
    a = notebook(code("run()", [stream("start\n"), display({"image/png": png()})]))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"] = [
        b["cells"][0]["outputs"][0],
        {"output_type": "stream", "name": "stderr", "text": ["warning\n"]},
    ]
    outs = _only_cell(run_diff(a, b))["outputs"]
    statuses = [(o["status"], o["a"]["index"] if o["a"] else None, o["b"]["index"] if o["b"] else None) for o in outs]
    assert statuses == [("unchanged", 0, 0), ("removed", 1, None), ("added", None, 1)]


def test_output_metadata_alone_is_hidden(notebook, code, display, png, run_diff):
    a = notebook(code("plot()", [display({"image/png": png()}, metadata={"needs_background": "light"})]))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"][0]["metadata"] = {"needs_background": "dark"}
    d = run_diff(a, b)
    assert d["empty"] is True and d["notebook"]["hidden"]["cells"] == 1
    (out,) = _only_cell(run_diff(a, b, include_metadata=True))["outputs"]
    assert out["metadata"][0]["key"] == "needs_background"


def test_a_traceback_only_change_is_a_change(notebook, code, run_diff):
    """Same exception, same message, raised from another line: the traceback is content."""

    def err(line: int) -> dict:
        return v4.new_output(
            "error",
            ename="ZeroDivisionError",
            evalue="division by zero",
            traceback=[
                "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
                f"Cell \x1b[0;32mIn[3], line {line}\x1b[0m",
                "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
            ],
        )

    a = notebook(code("ratio = total / count\nratio", [err(1)]))
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"] = [json.loads(json.dumps(err(2)))]
    d = run_diff(a, b)
    assert not d["empty"] and d["notebook"]["summary"]["modified"] == 1
    cell = _only_cell(d)
    assert cell["changes"] == ["outputs"]
    (out,) = cell["outputs"]
    assert out["status"] == "changed" and [p["key"] for p in out["parts"]] == ["traceback"]
    lines = [(x["op"], x["text"]) for x in out["parts"][0]["hunks"][0]["lines"]]
    assert ("-", "Cell In[3], line 1") in lines and ("+", "Cell In[3], line 2") in lines
