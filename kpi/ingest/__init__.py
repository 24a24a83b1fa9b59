"""Bringing users' own exports in: files → raw tables → recognised or mapped canonical tables, with
a data-quality report. Polars only; no Streamlit.

The stages, each its own module:

* :mod:`kpi.ingest.containers` and :mod:`kpi.ingest.text` — bytes → :class:`RawTable` s (zip, gz,
  xlsx sheets, Parquet, CSV/TSV/TXT: encoding, delimiter, preamble and comment lines, several
  tables in one file, total rows);
* :mod:`kpi.ingest.values` — text cells → numbers, percentages and datetimes in any common locale;
* :mod:`kpi.ingest.recognisers` — known exports → canonical columns with no questions asked;
* :mod:`kpi.ingest.mapping` — anything else: a user's column mapping, saved as a JSON profile;
* :mod:`kpi.ingest.pipeline` — all of it, with the data-quality report of every file.
"""
