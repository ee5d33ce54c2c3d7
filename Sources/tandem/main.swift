import TandemCLI

CommandLineTool.main(Tandem.self)
