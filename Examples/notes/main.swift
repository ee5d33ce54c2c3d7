import TandemCLI

// Parses the command line, runs the command (the asynchronous ones in a task), prints its
// result as text or as one JSON envelope, and exits with the CLI Agent Spec's code.
CommandLineTool.main(Notes.self)
