"""Freeplay: prompt templates of one project, environments as deployment targets."""
