"""The grader's static delegation scan: what it refuses in a solution cell, and what it allows."""

import pytest

from cvcourse.grading.static_scan import (
    FORBIDDEN_MODULES,
    assigned_names,
    find_delegation,
    find_forbidden_calls,
    findings_by_function,
    is_dynamic,
)

CLEAN = {
    "reads its own /proc": "def f():\n    return open('/proc/self/status').read()\n",
    "torch and broadcasting": '''
import torch

def box_iou(boxes1, boxes2):
    """Like torchvision.ops.box_iou, but written here."""
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])  # [N,M,2]
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    return wh[..., 0] * wh[..., 1]
''',
    "numpy and math": "import numpy as np\nimport math\n"
    "def f(x):\n    return np.asarray(x) * math.pi\n",
    "a loop with sorted": "def nms(b, s, t):\n"
    "    order = sorted(range(len(s)), key=lambda i: -s[i])\n"
    "    return order\n",
    "model.eval and re.compile are attributes": "import re\npat = re.compile('x')\n"
    "def f(m):\n    m.eval()\n    return m\n",
    "getattr with a literal": "def f(x):\n    return getattr(x, 'shape')\n",
    "open a relative file": "def f():\n    return open('data/boxes.txt').read()\n",
    "a comment naming torchvision": "# torchvision.ops.nms would do this\n"
    "def f(x):\n    return x\n",
}

DELEGATING = {
    "import torchvision": (
        "import torchvision\ndef f(b):\n    return torchvision.ops.nms(b)\n",
        "torchvision",
    ),
    "from torchvision.ops import": ("from torchvision.ops import box_iou as iou\n", "torchvision"),
    "torch.ops.torchvision": (
        "import torch\ndef f(b, s):\n    return torch.ops.torchvision.nms(b, s, .5)\n",
        "torchvision",
    ),
    "from torch import ops": (
        "from torch import ops\ndef f(b, s):\n    return ops.torchvision.nms(b, s, .5)\n",
        "torchvision",
    ),
    "cvcourse": ("from cvcourse.grading import observe\n", "cvcourse"),
    "__import__": ("def f():\n    return __import__('torch' + 'vision')\n", "__import__"),
    "importlib": ("import importlib\nm = importlib.import_module('x')\n", "importlib"),
    "sys.modules": ("import sys\ntv = sys.modules['torch' + 'vision']\n", "sys.modules"),
    "from sys import modules": ("from sys import modules\n", "sys.modules"),
    "exec": ("exec('import os')\n", "exec"),
    "eval as a value": ("run = eval\n", "eval"),
    "compile": ("code = compile('1', 'x', 'eval')\n", "compile"),
    "getattr computed": ("import torch\nf = getattr(torch.ops, 'torch' + 'vision')\n", "getattr"),
    "getattr on a module with a variable": (
        "import torch\nname = 'ops'\nf = getattr(torch, name)\n",
        "getattr",
    ),
    "subprocess": ("import subprocess\nsubprocess.run(['ls'])\n", "subprocess"),
    "os.system": ("import os\nos.system('cat /etc/passwd')\n", "os.system"),
    "from os import popen": ("from os import popen\n", "os.popen"),
    "open absolute": (
        "def f():\n    return open('/course/source/a3/boxes.ipynb').read()\n",
        "outside",
    ),
    "open parent": ("def f():\n    return open('../../gradebook.db', 'rb').read()\n", "outside"),
    "pathlib outside": ("import pathlib\np = pathlib.Path('/etc/passwd')\n", "outside"),
    "__builtins__": ("__builtins__.open\n", "__builtins__"),
    "a string naming the module": ("mod = 'torchvision.ops'\n", "forbidden module"),
    "shell escape": ("!cat /etc/passwd\ndef f():\n    pass\n", "shell"),
    "ctypes": ("import ctypes\nctypes.string_at(0)\n", "ctypes"),
}


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_clean_solutions_pass(source: str) -> None:
    assert find_delegation(source) == []


@pytest.mark.parametrize(("source", "word"), DELEGATING.values(), ids=DELEGATING.keys())
def test_delegation_and_escapes_are_named(source: str, word: str) -> None:
    reasons = find_delegation(source)
    assert reasons, f"not flagged: {source!r}"
    assert any(word in r for r in reasons), reasons


def test_unparsable_source_falls_back_to_regex() -> None:
    source = "def nms(b, s, t:\n    import torchvision\n    return torchvision.ops.nms(b, s, t)\n"
    assert any("torchvision" in r for r in find_delegation(source))
    assert find_delegation("def f(:\n    return 1\n") == []


def test_reasons_are_not_repeated() -> None:
    source = "import torchvision\nimport torchvision.ops\nfrom torchvision import ops\n"
    reasons = find_delegation(source)
    assert len(reasons) == len(set(reasons))


def test_bad_argument_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="source"):
        find_delegation(b"import torchvision")  # type: ignore[arg-type]


FUNCTIONS = ["box_convert", "box_iou", "nms", "batched_nms"]


def test_findings_count_against_the_cells_function() -> None:
    cells = [
        ("nms", "import torchvision\ndef nms(b, s, t):\n    return torchvision.ops.nms(b, s, t)")
    ]
    assert list(findings_by_function(cells, FUNCTIONS)) == ["nms"]


def test_redefining_another_function_from_a_cell_counts_against_it() -> None:
    # the box_convert cell quietly defines nms with torchvision: nms must lose, not only box_convert
    source = (
        "import torchvision\ndef box_convert(b, i, o):\n    return b\nnms = torchvision.ops.nms"
    )
    found = findings_by_function([("box_convert", source), ("nms", "pass")], FUNCTIONS)
    assert set(found) == {"box_convert", "nms"}


@pytest.mark.parametrize(
    "source",
    [
        "import torchvision\nimport __main__\n__main__.nms = torchvision.ops.nms",
        "globals()['n' + 'ms'] = __import__('torchvision').ops.nms",
        "exec('from torchvision.ops import nms')",
        "get_ipython().user_ns['nms'] = 1",
        "%run -i helpers.py",
    ],
)
def test_dynamic_escapes_in_added_cells_count_against_every_function(source: str) -> None:
    assert set(findings_by_function([(None, source)], FUNCTIONS)) == set(FUNCTIONS)


def test_added_cells_that_only_look_are_fine() -> None:
    cells = [(None, "import torchvision\nprint(torchvision.__version__)"), (None, "%timeit 1 + 1")]
    assert findings_by_function(cells, FUNCTIONS) == {}


def test_assigned_names() -> None:
    source = "import a.b as c\nfrom d import e\ndef f(): pass\ng = 1\nm.h = 2\nsetattr(m, 'i', 3)"
    assert {"c", "e", "f", "g", "h", "i"} <= assigned_names(source)
    assert is_dynamic("the solution runs generated code (exec)")
    assert not is_dynamic(FORBIDDEN_MODULES["torchvision"])


# --------------------------------------------------------------- functions an assignment forbids
BATCH_NORM = ["torch.nn.functional.batch_norm", "torch.nn.BatchNorm2d", "torch.batch_norm"]


@pytest.mark.parametrize(
    ("source", "reached"),
    [
        ("import torch.nn.functional as F\ny = F.batch_norm(x, m, v)", "functional.batch_norm"),
        ("from torch.nn.functional import batch_norm", "functional.batch_norm"),
        ("from torch.nn.functional import batch_norm as bn", "functional.batch_norm"),
        ("bn = torch.nn.BatchNorm2d(3)", "torch.nn.BatchNorm2d"),
        ("from torch import nn\nlayer = nn.BatchNorm2d(3)", "torch.nn.BatchNorm2d"),
        ("y = torch.batch_norm(x, g, b, m, v, True, 0.1, 1e-5, False)", "batch_norm"),
        ("f = getattr(F, 'batch_norm')", "functional.batch_norm"),
        ("def f(:\n  F.batch_norm(x)", "functional.batch_norm"),  # does not parse
    ],
)
def test_forbidden_calls_are_found_however_they_are_reached(source: str, reached: str) -> None:
    reasons = find_forbidden_calls(source, BATCH_NORM)
    assert reasons and reached in reasons[0] and "write it yourself" in reasons[0]


def test_own_code_of_the_same_name_is_not_a_forbidden_call() -> None:
    source = (
        "def batch_norm(x, mean, var):\n    return (x - mean) / var.sqrt()\n"
        "def batchnorm2d_forward(x):\n    batch_norm = 1\n    return batch_norm\n"
    )
    assert find_forbidden_calls(source, BATCH_NORM) == []
    assert find_forbidden_calls("y = F.batch_norm(x)", []) == []


def test_forbidden_calls_count_only_against_their_function() -> None:
    functions = ["batchnorm2d_forward", "ResidualBlock"]
    forbidden = {"batchnorm2d_forward": BATCH_NORM}
    block = "class ResidualBlock(nn.Module):\n    def __init__(self):\n        nn.BatchNorm2d(3)"
    bn = "def batchnorm2d_forward(x):\n    return F.batch_norm(x)"
    cells = [("ResidualBlock", block), ("batchnorm2d_forward", bn)]
    found = findings_by_function(cells, functions, forbidden)
    assert list(found) == ["batchnorm2d_forward"]
    assert "torch.nn.functional.batch_norm" in found["batchnorm2d_forward"][0]
    # an added cell that redefines the graded function is scanned for it too
    sneaky = [("batchnorm2d_forward", "pass"), (None, bn)]
    assert list(findings_by_function(sneaky, functions, forbidden)) == ["batchnorm2d_forward"]
    assert findings_by_function(cells, functions) == {}
