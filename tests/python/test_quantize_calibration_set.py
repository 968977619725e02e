"""calibration/images is exactly what calibration/select.py picks, and never touches LFW pairs."""
import importlib.util

import pytest

from repo_paths import LFW, ROOT

IMAGES = ROOT / "calibration" / "images"


def load_select():
    spec = importlib.util.spec_from_file_location("select_calib", ROOT / "calibration" / "select.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_500_images_one_per_person():
    files = sorted(IMAGES.glob("*.jpg"))
    assert len(files) == 500
    people = {f.name.rsplit("_", 1)[0] for f in files}
    assert len(people) == 500


@pytest.mark.skipif(not (LFW / "pairs.txt").exists(), reason="../shared/data/lfw not present")
def test_no_person_from_pairs_and_reproducible():
    sel = load_select()
    in_pairs = sel.people_in_pairs(LFW / "pairs.txt")
    assert len(in_pairs) > 4000  # View 2 names 4,281 people
    files = sorted(IMAGES.glob("*.jpg"))
    assert not {f.name.rsplit("_", 1)[0] for f in files} & in_pairs
    assert sorted(p.name for p in sel.select(LFW)) == [f.name for f in files]
    for f in files[:20]:
        assert f.read_bytes() == (LFW / "aligned112" / f.name.rsplit("_", 1)[0] / f.name).read_bytes()
