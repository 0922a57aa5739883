"""A study of many cells keeps each finished cell, so a stopped study resumes where it stopped
(repscope.studies.cells): only the missing cells are measured, the rows are those of an
uninterrupted run, and a cell kept under other settings, for another cell or damaged is not used."""
import pandas as pd
import pytest
from omegaconf import OmegaConf, open_dict

from repscope.studies import load_study, study_config
from repscope.studies.cells import CellStore, measure_cells

CELLS = [("a", 1), ("b", 2), ("c", 3), ("d", 4)]


def _rows(cell, state):
    state.append(cell)
    return [{"cell": cell[0], "value": cell[1] * 10.0}]


def _store(tmp_path, **settings):
    return CellStore(tmp_path / "cells", OmegaConf.create({"n": 1, "workers": 2, **settings}))


def test_a_stopped_study_resumes_with_the_cells_it_finished(tmp_path):
    def failing(cell, state):
        if cell == ("c", 3):
            raise KeyboardInterrupt  # the job is stopped here
        return _rows(cell, state)

    store = _store(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        measure_cells(failing, CELLS, workers=1, setup=list, store=store)
    measured = []
    rows = measure_cells(_rows, CELLS, workers=1, setup=lambda: measured, store=_store(tmp_path, workers=1))
    assert measured == [("c", 3), ("d", 4)]  # the workers setting does not change a cell's rows
    assert rows == measure_cells(_rows, CELLS, workers=1, setup=list)


def test_cells_kept_under_other_settings_for_another_cell_or_damaged_are_measured_again(tmp_path):
    measure_cells(_rows, CELLS, workers=1, setup=list, store=_store(tmp_path))
    measured = []
    measure_cells(_rows, CELLS, workers=1, setup=lambda: measured, store=_store(tmp_path, n=2))
    assert measured == CELLS  # another setting: another fingerprint
    store = _store(tmp_path)
    (store.dir / "0.pkl").write_bytes(b"not a pickle")
    other = [("x", 9)] + CELLS[1:]  # cell 0 is now another cell
    measured = []
    measure_cells(_rows, CELLS, workers=1, setup=lambda: measured, store=store)
    assert measured == [("a", 1)]
    measured = []
    assert measure_cells(_rows, other, workers=1, setup=lambda: measured, store=store)[0] == {"cell": "x", "value": 90.0}
    assert measured == [("x", 9)]


def test_study_command_resumes_t5_from_its_kept_cells_and_removes_them_when_done(tmp_path):
    from repscope.cli import main

    overrides = ["experiment=tiny_studies", "study.dims=[5,10,20]", "~study.estimators.MINE",
                 "~study.estimators.MINE_held_out", "~study.estimators.InfoNCE", "~study.estimators.ASMI_kNN"]
    cfg = study_config("mi_estimators", overrides)
    with open_dict(cfg):
        cfg.study.cells_dir = str(tmp_path / "kept")
    full = load_study("mi_estimators").run(cfg)
    kept = sorted((tmp_path / "kept").glob("*/*.pkl"))
    assert len(kept) == 2 * (3 + 1 * 2)  # blob sets: repetitions x (dims + corruption dims x fractions)
    kept[0].unlink()
    out = tmp_path / "t5.parquet"
    # the command keeps its cells in .t5.parquet.cells beside the output: put the kept ones there
    (tmp_path / "kept").rename(tmp_path / ".t5.parquet.cells")
    assert main(["study", "t5", *overrides, "study.workers=2", f"out={out}"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out).drop(columns="seconds"), full.drop(columns="seconds"))
    assert not (tmp_path / ".t5.parquet.cells").exists()
