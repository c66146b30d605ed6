// Kumquat WebChat widget — being written (issue 10).
