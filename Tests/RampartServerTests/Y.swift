import Testing
import VaporTesting
@Test func y() {}
