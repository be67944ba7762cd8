"""Expected minimum durations of ICE jobs, by the work a job must do.

ICE publishes no job durations and no measurements of real jobs were available to this project, so
each figure is a conservative floor judged from the work a job must do after it is accepted: wait in
ICE's queue, fetch its input from OSS, process it, write its output. Audio analysis reads a short
stream; video analysis decodes the whole video; video rewriting decodes and re-encodes it. A job that
ends earlier than its figure is only seen that much later (at most the figure); set
``expected_duration`` from your own jobs' history.
"""

from __future__ import annotations

AUDIO_ANALYSIS_SECONDS = 10.0
AUDIO_PROCESSING_SECONDS = 15.0
VIDEO_ANALYSIS_SECONDS = 15.0
VIDEO_REWRITE_SECONDS = 30.0
