import TandemCLI

CommandLineTool.main(Tandem.self, fastRoutes: FastRoutes.all)
