"""Reports: one `RunRecord` per run, rendered as text, JSON, Gradescope, JUnit or Markdown."""
