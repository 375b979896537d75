"""The knowledge base: recipe loading, indexing and search, and the starter recipes."""

from knowledge.loader import LoadResult, Recipe, load_folder, starter_recipes_dir
from knowledge.search import Answer, Hit, KnowledgeBase

__all__ = ["Answer", "Hit", "KnowledgeBase", "LoadResult", "Recipe", "load_folder", "starter_recipes_dir"]
