"""Sphinx extension: search for the Korean edition, which Sphinx does not support.

Sphinx splits text into words at spaces and punctuation. In Korean a particle is
written onto the word it follows ("임베딩은", "임베딩을", "임베딩의"), so without help a
search for "임베딩" finds none of them. This search language strips one particle from
the end of each Hangul word, both when the index is built (in Python) and when a query
is typed (in JavaScript), so that both sides meet at the bare word. Words without
Hangul (code, English terms) get Sphinx's English stemming, as in the English edition.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.search.en import SearchEnglish, js_porter_stemmer

#: Particles and copula endings, longest first so that "에서는" is not taken for "는".
PARTICLES = sorted(
    """
    에서는 에게서 으로는 으로서 으로써 이라는 이라고 에서도 까지는 부터는 입니다
    에서 에게 으로 처럼 보다 까지 부터 마다 이나 이란 라는 라고 와는 과는 에는 에도 로는
    로서 로써 만큼 조차 이다 이며 이고
    은 는 이 가 을 를 의 에 와 과 도 만 로 나 란 인
    """.split(),
    key=len,
    reverse=True,
)
#: A word keeps at least this many syllables, so that "길이" (length) is not cut to "길".
MIN_STEM = 2
HANGUL = re.compile("[\uac00-\ud7a3]")


def strip_particle(word: str) -> str:
    """``word`` without the one particle it ends with, if it ends with one.

    Examples::

        >>> strip_particle("임베딩은"), strip_particle("padding_idx는")
        ('임베딩', 'padding_idx')
        >>> strip_particle("길이"), strip_particle("임베딩")
        ('길이', '임베딩')
    """
    for particle in PARTICLES:
        stem = word[: -len(particle)]
        if word.endswith(particle) and len(stem) >= MIN_STEM:
            return stem
    return word


class SearchKorean(SearchEnglish):
    """English search, with Korean particles stripped first."""

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = js_porter_stemmer + f"""
var PorterStemmer = Stemmer;
Stemmer = function() {{
  var porter = new PorterStemmer();
  var particles = {json.dumps(PARTICLES, ensure_ascii=False)};
  this.stemWord = function(word) {{
    for (var i = 0; i < particles.length; i++) {{
      var stem = word.slice(0, word.length - particles[i].length);
      if (word.endsWith(particles[i]) && stem.length >= {MIN_STEM}) {{
        word = stem;
        break;
      }}
    }}
    return /[\\uac00-\\ud7a3]/.test(word) ? word : porter.stemWord(word);
  }};
}};
"""

    def stem(self, word: str) -> str:
        word = strip_particle(word)
        return word if HANGUL.search(word) else super().stem(word)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
