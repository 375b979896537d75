"""The knowledge base: recipe loading, indexing and search, and the starter recipes."""

from knowledge.loader import LoadResult, Recipe, load_folder, starter_recipes_dir
from knowledge.search import Answer, Hit, KnowledgeBase, focused

__all__ = ["Answer", "Hit", "KnowledgeBase", "LoadResult", "Recipe", "focused", "load_folder", "starter_recipes_dir"]
