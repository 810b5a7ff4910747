"""The PromptLayer backend: one workspace (an API key), release labels as environments."""
