"""The generation pipeline: a LangGraph StateGraph over plain node functions."""
