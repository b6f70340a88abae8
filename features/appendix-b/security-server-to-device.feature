@appendix-b @security-properties @downlink
Feature: Security properties, Application Server to device (OBF draft B.2, second list)
  When the Application Server sends a command to the device: (1) the device knows the command comes from the
  authorised server, (2) it detects any change, (3) it detects a replay, and (4) no one in between reads it.
  The harness plays the network between them, and an attacker on it.

  Background:
    Given device "A" with its Secure Element
    And the Application Server has imported the keys of device "A"

  @OBF-B.2-down-1 @OBF-B.2-down-2 @TP/OBF/SEC/DOWN/BI-01
  Scenario: A command forged with a valid CRC but no CC is not executed
    Given an attacker forges the command "#ip1 203.0.113.66 6666" with SPI 01 00 and a valid CRC-32
    When the network delivers the command to device "A"
    Then device "A" rejects the command at stage "secure-element" with status "6982"
    And device "A" has executed no command

  @OBF-B.2-down-1 @TP/OBF/SEC/DOWN/BI-02
  Scenario: A command whose CC was made without the device's integrity key is not executed
    Given the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    And an attacker who knows only the ciphering key of device "A" replaces the command with "#ip1 203.0.113.66 6666"
    When the network delivers the command to device "A"
    Then device "A" rejects the command at stage "secure-element" with status "6988"
    And device "A" has executed no command

  @OBF-B.2-down-2 @TP/OBF/SEC/DOWN/BI-03
  Scenario: A command whose ciphertext was altered is not executed
    Given the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    And an attacker flips one bit in the last byte of the command
    When the network delivers the command to device "A"
    Then device "A" rejects the command at stage "secure-element" with status "6988"
    And device "A" has executed no command

  @OBF-B.2-down-3 @TP/OBF/SEC/DOWN/BI-04 @needs-replay-check
  Scenario: A replayed command is not executed again
    Given the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    And the network delivers the command to device "A"
    When the network delivers the command to device "A" again
    Then device "A" rejects the command at stage "secure-element" with status "6985"
    And device "A" has executed 1 command

  @OBF-B.2-down-3 @TP/OBF/SEC/DOWN/BI-05 @needs-replay-check
  Scenario: A command older than one already executed is not executed
    Given the Application Server encrypts "#ip1 10.1.1.1 1111" for device "A" with key index 1 and ReplayCheck
    And the Application Server encrypts "#ip1 10.2.2.2 2222" for device "A" with key index 1 and ReplayCheck
    When the network delivers command 2 to device "A"
    And the network delivers command 1 to device "A"
    Then device "A" rejects the command at stage "secure-element" with status "6985"
    And device "A" has server address ip1 set to "10.2.2.2" port 2222

  @OBF-B.2-down-4 @TP/OBF/SEC/DOWN/BV-01
  Scenario: No plaintext of the command crosses the network
    When the Application Server encrypts "#ip1 10.20.30.40 9001" for device "A" with key index 1 and ReplayCheck
    Then no 4 consecutive bytes of "#ip1 10.20.30.40 9001" appear in the command

  @OBF-B.2-down-4 @TP/OBF/SEC/DOWN/BV-02
  Scenario: The same command sent twice gives different packets
    When the Application Server encrypts "#ip2 10.0.0.2 7000" for device "A" with key index 1 without ReplayCheck
    And the Application Server encrypts "#ip2 10.0.0.2 7000" for device "A" with key index 1 without ReplayCheck
    Then the two commands differ
