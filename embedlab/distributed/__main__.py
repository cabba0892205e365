"""``python -m embedlab.distributed``: run under torchrun (see :mod:`embedlab.distributed.demo`)."""

from embedlab.distributed.demo import main

if __name__ == "__main__":
    main()
