"""What the app shows and guards, without gradio: HTML, chips, browse, export, auth, editor."""
