r"""Text to learn embeddings from: a generated corpus with known structure, or a reader's own file.

:func:`generate_corpus` writes sentences from a small grammar whose words fall into
known categories (animals, people, countries, capitals, colours, ...) and stand in
known relations (country and capital, male and female, singular and plural). Since
the structure is known in advance, what a model learns from the text can be
*checked*: the nearest neighbours of ``cat`` should be animals, and
``paris - france + japan`` should be ``tokyo``.

:func:`load_text` reads any UTF-8 text file, in any language, one sentence per line.
:func:`load_lee` reads real English text that works offline: the Lee corpus of news
articles that gensim ships, found with :func:`gensim_test_file`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

from embedlab.text import tokenize

__all__ = ["Corpus", "generate_corpus", "gensim_test_file", "load_lee", "load_text"]

# (singular, plural, what it eats): the food ties the two forms of one animal together.
ANIMALS = [
    ("cat", "cats", "milk"),
    ("dog", "dogs", "bones"),
    ("horse", "horses", "hay"),
    ("cow", "cows", "grass"),
    ("bird", "birds", "seeds"),
    ("goat", "goats", "weeds"),
]
# (male, female, what they own): the object ties the two members of one role together.
PEOPLE = [
    ("king", "queen", "crown"),
    ("prince", "princess", "sword"),
    ("man", "woman", "car"),
    ("boy", "girl", "ball"),
    ("father", "mother", "house"),
    ("brother", "sister", "bike"),
]
# (country, capital, language): the language ties a country to its capital.
COUNTRIES = [
    ("france", "paris", "french"),
    ("germany", "berlin", "german"),
    ("italy", "rome", "italian"),
    ("spain", "madrid", "spanish"),
    ("japan", "tokyo", "japanese"),
    ("china", "beijing", "chinese"),
    ("russia", "moscow", "russian"),
    ("egypt", "cairo", "arabic"),
]
COLOURS = ["red", "green", "blue", "yellow", "black", "white", "purple", "brown"]

SINGULAR_DETERMINERS = ["a", "the", "one", "this", "that", "every"]
PLURAL_DETERMINERS = ["the", "two", "three", "many", "these", "those", "some"]
ANIMAL_VERBS = [("runs", "run"), ("sleeps", "sleep"), ("jumps", "jump"), ("walks", "walk")]
PEOPLE_VERBS = ["found", "lost", "cleaned", "painted", "sold", "wanted"]
TRAVEL_VERBS = ["visited", "loved", "left", "remembered"]
TRAVELLERS = ["we", "they", "you", "i"]


def _build_structure() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    categories: dict[str, str] = {}
    for singular, plural, food in ANIMALS:
        categories.update({singular: "animal", plural: "animal", food: "food"})
    for male, female, thing in PEOPLE:
        categories.update({male: "person", female: "person", thing: "object"})
    for country, capital, language in COUNTRIES:
        categories.update({country: "country", capital: "capital", language: "language"})
    categories.update({colour: "colour" for colour in COLOURS})
    relations = {
        "singular-plural": [(s, p) for s, p, _ in ANIMALS],
        "male-female": [(m, f) for m, f, _ in PEOPLE],
        "country-capital": [(c, k) for c, k, _ in COUNTRIES],
    }
    return categories, relations


def _analogies(relations: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, str, str]]:
    # For pairs (x1, y1), (x2, y2) of one relation: y2 = y1 - x1 + x2, in both directions.
    found = []
    for pairs in relations.values():
        for x1, y1 in pairs:
            for x2, y2 in pairs:
                if x1 != x2:
                    found.append((y1, x1, x2, y2))
                    found.append((x1, y1, y2, x2))
    return found


@dataclass
class Corpus:
    r"""Sentences together with the structure they were generated from.

    Attributes:
        sentences (list): the sentences, each a list of tokens.
        categories (dict): the category of each content word, e.g. ``"cat": "animal"``.
            Function words (``the``, ``is``, ...) have none.
        relations (dict): for each relation name, its ``(x, y)`` word pairs, e.g.
            ``"country-capital": [("france", "paris"), ...]``.
        analogies (list): 4-tuples ``(a, b, c, d)`` such that ``d`` is the answer to
            ``a - b + c``, e.g. ``("paris", "france", "japan", "tokyo")``.

    Examples::

        >>> corpus = generate_corpus(3, seed=0)
        >>> corpus.categories["tokyo"], corpus.relations["male-female"][0]
        ('capital', ('king', 'queen'))
        >>> ("queen", "king", "man", "woman") in corpus.analogies
        True
    """

    sentences: list[list[str]]
    categories: dict[str, str] = field(repr=False)
    relations: dict[str, list[tuple[str, str]]] = field(repr=False)
    analogies: list[tuple[str, str, str, str]] = field(repr=False)

    @property
    def num_tokens(self) -> int:
        """The number of tokens in all sentences.

        Examples::

            >>> generate_corpus(10, seed=0).num_tokens
            48
        """
        return sum(len(sentence) for sentence in self.sentences)

    def text(self) -> str:
        r"""The corpus as text: one sentence a line, tokens separated by spaces.

        Reading it back with :func:`load_text` gives :attr:`sentences` again.

        Examples::

            >>> print(generate_corpus(2, seed=3).text(), end="")
            that bird runs
            they loved the country egypt
        """
        return "".join(" ".join(sentence) + "\n" for sentence in self.sentences)


def _sentence(rng: random.Random) -> list[str]:
    kind = rng.random()
    if kind < 0.3:
        singular, plural, food = rng.choice(ANIMALS)
        if rng.random() < 0.5:
            noun, determiner, verb, copula = singular, rng.choice(SINGULAR_DETERMINERS), 0, "is"
        else:
            noun, determiner, verb, copula = plural, rng.choice(PLURAL_DETERMINERS), 1, "are"
        template = rng.randrange(3)
        if template == 0:
            return [determiner, noun, "eat" + ("s" if verb == 0 else ""), food]
        if template == 1:
            return [determiner, noun, rng.choice(ANIMAL_VERBS)[verb]]
        return [determiner, noun, copula, rng.choice(COLOURS)]
    if kind < 0.6:
        male, female, thing = rng.choice(PEOPLE)
        person, pronoun, possessive = (male, "he", "his") if rng.random() < 0.5 else (female, "she", "her")
        template = rng.randrange(3)
        if template == 0:
            return ["the", person, rng.choice(PEOPLE_VERBS), possessive, thing]
        if template == 1:
            return [pronoun, "is", "the", person]
        return ["the", person, "has", "a", rng.choice(COLOURS), thing]
    if kind < 0.9:
        country, capital, language = rng.choice(COUNTRIES)
        template = rng.randrange(4)
        if template == 0:
            return [capital, "is", "the", "capital", "of", country]
        if template == 1:
            return ["people", "in", rng.choice((country, capital)), "speak", language]
        if template == 2:
            return [rng.choice(TRAVELLERS), rng.choice(TRAVEL_VERBS), "the", "country", country]
        return [rng.choice(TRAVELLERS), rng.choice(TRAVEL_VERBS), "the", "city", "of", capital]
    colour = rng.choice(COLOURS)
    if rng.random() < 0.5:
        return ["the", "colour", colour, "is", "bright"]
    return ["i", "like", "the", "colour", colour]


def generate_corpus(num_sentences: int = 10_000, seed: int = 0) -> Corpus:
    r"""Generate ``num_sentences`` sentences from a small grammar with known structure.

    The grammar has eight categories: six animals in the singular and the plural,
    twelve people in six male/female pairs, eight countries, their capitals and
    their languages, eight colours, and the foods and objects that go with the
    animals and the people. A word's neighbours in a sentence depend on its category
    (``the cat is ...``, ``... the capital of ...``) and on its partners in the
    relations (a country and its capital are both followed by their language), so
    that a model trained on the text can recover both.

    Args:
        num_sentences (int): how many sentences to generate, at least 0. Default: ``20000``.
        seed (int): the seed of the generator; the same seed always gives the same
            sentences. Default: ``0``.

    Returns:
        Corpus: the sentences, with the categories, relations and analogies they encode.

    Raises:
        ValueError: if ``num_sentences`` is negative.

    Examples::

        >>> corpus = generate_corpus(4, seed=0)
        >>> for sentence in corpus.sentences:
        ...     print(" ".join(sentence))
        moscow is the capital of russia
        one bird jumps
        she is the princess
        three cats are blue
        >>> len(generate_corpus(0).analogies)
        232
    """
    if num_sentences < 0:
        raise ValueError(f"num_sentences must be at least 0, got {num_sentences}")
    rng = random.Random(seed)
    categories, relations = _build_structure()
    sentences = [_sentence(rng) for _ in range(num_sentences)]
    return Corpus(sentences, categories, relations, _analogies(relations))


def load_text(path: str | os.PathLike[str], lowercase: bool = True) -> list[list[str]]:
    r"""Read a UTF-8 text file as sentences of tokens, one sentence per non-blank line.

    Any language works, Korean included: tokens are runs of letters and digits, and
    each punctuation mark is a token of its own (see :func:`embedlab.text.tokenize`).
    A byte-order mark at the start of the file is ignored.

    Args:
        path (str or os.PathLike): the file to read.
        lowercase (bool): lower-case every token. Default: ``True``.

    Returns:
        list: the sentences, each a non-empty list of tokens.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        IsADirectoryError: if ``path`` is a directory.
        ValueError: if the file is not valid UTF-8 (the message gives the byte
            offset), or holds no token at all.

    Examples::

        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "note.txt").write_text("임베딩은 단어를 벡터로 바꾼다.\n\nThe End\n", encoding="utf-8")
        >>> load_text(folder / "note.txt")
        [['임베딩은', '단어를', '벡터로', '바꾼다', '.'], ['the', 'end']]
    """
    name = os.fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(f"{name!r} does not exist: expected a UTF-8 text file")
    if os.path.isdir(name):
        raise IsADirectoryError(f"{name!r} is a directory: expected a UTF-8 text file")
    with open(name, "rb") as file:
        data = file.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name!r} is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"cannot be decoded ({exc.reason}); expected a UTF-8 text file (re-save it as UTF-8)"
        ) from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    sentences = [tokens for line in text.splitlines() if (tokens := tokenize(line, lowercase=lowercase))]
    if not sentences:
        what = "is empty" if not data else "holds no words, only whitespace or a byte-order mark"
        raise ValueError(f"{name!r} {what}: expected UTF-8 text with at least one word")
    return sentences


def gensim_test_file(name: str) -> str:
    r"""The path of a data file shipped with gensim (``gensim/test/test_data``).

    gensim's wheel includes small real data sets, used here because they need no
    download: ``lee_background.cor`` (the Lee corpus), ``wordsim353.tsv``,
    ``simlex999.txt`` and ``questions-words.txt``.

    Args:
        name (str): the file name.

    Returns:
        str: its path.

    Raises:
        ModuleNotFoundError: if gensim is not installed (it is in embedlab's
            ``chapters`` extra).
        FileNotFoundError: if gensim has no such file.

    Examples::

        >>> os.path.basename(gensim_test_file("wordsim353.tsv"))
        'wordsim353.tsv'
    """
    try:
        from gensim.test.utils import datapath
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "gensim is not installed: its test data holds the real text and benchmarks; "
            "pip install 'embedlab[chapters]' (or gensim)"
        ) from None
    path = datapath(name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"gensim has no test file {name!r} (looked for {path!r})")
    return path


def load_lee() -> list[list[str]]:
    r"""The Lee corpus: 300 Australian news articles, one sentence (article) each, lower-cased.

    Tokens are those of :func:`embedlab.text.tokenize`, keeping only tokens with at
    least one letter (punctuation and bare numbers are dropped). The corpus (Lee,
    Pincombe and Welsh, 2005) comes with gensim as ``lee_background.cor``.

    Returns:
        list: 300 lists of tokens, 59,576 tokens in all.

    Raises:
        ModuleNotFoundError: if gensim is not installed.

    Examples::

        >>> sentences = load_lee()
        >>> len(sentences), sum(map(len, sentences))
        (300, 59576)
        >>> sentences[0][:6]
        ['hundreds', 'of', 'people', 'have', 'been', 'forced']
    """
    articles = load_text(gensim_test_file("lee_background.cor"))
    return [[token for token in article if any(ch.isalpha() for ch in token)] for article in articles]
