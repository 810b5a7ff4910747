"""Template languages (mustache, f-string, jinja2): which variables a text uses, where it fails to
parse, and binding values into it exactly as each registry does (`flavors`: Freeplay's provider →
flavor table and shapes; `server_render`: PromptLayer's server-side binding). Those two modules
import nothing of promptsync, so the emulator may import them too.

May import: the shared modules only."""
