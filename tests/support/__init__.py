"""What tests share: API and receiver helpers, waiting, and the fakes of the dispatcher's seams."""
