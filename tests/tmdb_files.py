"""Small TMDB credits files in both Kaggle layouts, for the importer, page and browser tests."""

import csv
import json
from pathlib import Path

TMDB_5000_CREDITS_HEADER = ["movie_id", "title", "cast", "crew"]
MOVIES_DATASET_CREDITS_HEADER = ["cast", "crew", "id"]


def cast_entry(person_id: int, name: str, character: str, order: int, **extra) -> dict:
    return {
        "cast_id": order + 1,
        "character": character,
        "credit_id": f"c{person_id}",
        "gender": 0,
        "id": person_id,
        "name": name,
        "order": order,
        **extra,
    }


def crew_entry(person_id: int, name: str, job: str, **extra) -> dict:
    department = {"Director": "Directing", "Screenplay": "Writing", "Writer": "Writing"}
    return {
        "credit_id": f"k{person_id}{job}",
        "department": department.get(job, "Crew"),
        "gender": 0,
        "id": person_id,
        "job": job,
        "name": name,
        **extra,
    }


def _write(path: Path, header: list[str], rows: list[dict | list], encode) -> Path:
    """Rows are dicts (cast/crew lists encoded, strings written as they are) or raw lists."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            if isinstance(row, list):
                writer.writerow(row)
                continue
            writer.writerow(
                [
                    encode(value) if isinstance(value := row.get(name, ""), list) else value
                    for name in header
                ]
            )
    return path


def tmdb_5000_credits(path: Path, rows: list[dict | list]) -> Path:
    """tmdb_5000_credits.csv: movie_id, title, and cast/crew as JSON."""
    return _write(path, TMDB_5000_CREDITS_HEADER, rows, json.dumps)


def movies_dataset_credits(path: Path, rows: list[dict | list]) -> Path:
    """The Movies Dataset's credits.csv: cast/crew as Python literals, then id."""
    return _write(path, MOVIES_DATASET_CREDITS_HEADER, rows, repr)
