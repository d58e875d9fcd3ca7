import json

from notebooks.check import fresh_database_url, notebook_paths, read, strip, strip_check, unstripped_cells, write


def executed_notebook() -> dict:
    return {
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Title"},
            {
                "cell_type": "code", "id": "b", "execution_count": 3, "source": "print(1)",
                "metadata": {"execution": {"iopub.execute_input": "2026-01-01T00:00:00Z"}, "tags": ["parameters"]},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": "1\n"}],
            },
            {"cell_type": "code", "id": "c", "execution_count": None, "metadata": {}, "outputs": [], "source": "x = 1"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_committed_notebooks_carry_no_outputs():
    for path in notebook_paths():
        assert unstripped_cells(read(path)) == [], f"{path.name} was committed with outputs: run check.py --strip"


def test_strip_removes_outputs_counts_and_timings_but_keeps_sources_and_tags():
    notebook = executed_notebook()
    assert unstripped_cells(notebook) == [1]

    stripped = strip(notebook)

    assert unstripped_cells(stripped) == []
    code = stripped["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert code["metadata"] == {"tags": ["parameters"]}
    assert [cell["source"] for cell in stripped["cells"]] == ["# Title", "print(1)", "x = 1"]


def test_strip_check_fails_on_an_executed_notebook_until_it_is_stripped(tmp_path, capsys):
    path = tmp_path / "executed.ipynb"
    path.write_text(json.dumps(executed_notebook()))

    assert strip_check([path]) is False
    assert "code cells [1]" in capsys.readouterr().err

    write(path, strip(read(path)))
    assert strip_check([path]) is True
    assert read(path)["cells"][1]["outputs"] == []


def test_notebooks_take_the_data_size_from_the_environment_in_their_first_code_cell():
    for path in notebook_paths():
        first_code = next(cell for cell in read(path)["cells"] if cell["cell_type"] == "code")
        assert "parameters" in first_code["metadata"].get("tags", [])
        assert 'os.environ.get("NOTEBOOK_USERS"' in "".join(first_code["source"])


def test_without_postgresql_the_check_uses_a_scratch_sqlite_file(tmp_path):
    assert fresh_database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'notebooks.sqlite3'}"
    assert fresh_database_url("sqlite:///db.sqlite3", tmp_path).startswith(f"sqlite:///{tmp_path}")
