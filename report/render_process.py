"""The renderer process: runs vl-convert jobs read from stdin and writes each result to stdout.

Started by report.renderer as a script (python -P), so it imports nothing of the project and starts in a
tenth of a second. A panic in vl-convert's Rust code aborts this process alone. Its arguments are font folders
to use besides the system's.
"""
import os
import sys
from multiprocessing.connection import Connection


def main() -> None:
    requests = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # whatever vl-convert prints goes to the log, never into the replies

    import vl_convert

    for folder in sys.argv[1:]:
        vl_convert.register_font_directory(folder)
    jobs = {"vegalite_to_svg": vl_convert.vegalite_to_svg, "svg_to_png": vl_convert.svg_to_png,
            "svg_to_pdf": vl_convert.svg_to_pdf}
    while True:
        try:
            job, args, kwargs = requests.recv()
        except EOFError:  # the parent closed the pipe or exited
            return
        try:
            reply = (True, jobs[job](*args, **kwargs))
        except Exception as error:  # a failed conversion is an answer; the process carries on
            reply = (False, f"{type(error).__name__}: {error}")
        replies.send(reply)


if __name__ == "__main__":
    sys.exit(main())
