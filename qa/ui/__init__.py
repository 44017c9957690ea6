"""The chat UI's building blocks (rendering, export, uploads, the engine service); `app.py`
wires them into Gradio."""
