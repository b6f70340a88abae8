@appendix-b @security-properties @uplink
Feature: Security properties, device to Application Server (OBF draft B.2, first list)
  When the device sends data to the Application Server: (1) the server identifies the device correctly,
  (2) it detects any change to the data, (3) it detects a replay, and (4) no one in between reads the data.
  The harness plays the network between them, and an attacker on it.

  Background:
    Given device "A" with its Secure Element
    And the Application Server has imported the keys of device "A"

  @OBF-B.2-up-1 @TP/OBF/SEC/UP/BV-01
  Scenario: The Application Server identifies the device that sent the data
    Given device "B" with its Secure Element
    And the Application Server has imported the keys of device "B"
    When device "B" sends "$PVT,B,28.61390,77.20900" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "B" with key index 1
    Then the Application Server returns the data "$PVT,B,28.61390,77.20900"

  @OBF-B.2-up-1 @TP/OBF/SEC/UP/BI-01
  Scenario: A packet from one device presented as another device's is refused
    Given device "B" with its Secure Element
    And the Application Server has imported the keys of device "B"
    When device "A" sends "$PVT,A,12.97160,77.59456" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "B" with key index 1
    Then the Application Server refuses with error "INTEGRITY_FAILED"

  @OBF-B.2-up-2 @TP/OBF/SEC/UP/BI-02
  Scenario: A packet whose ciphertext was altered is refused
    When device "A" sends "$PVT,A,12.97160,77.59456" with key index 1 and ReplayCheck
    And an attacker flips one bit in the last byte of the packet
    And the network delivers the packet to the Application Server as coming from device "A" with key index 1
    Then the Application Server refuses with error "INTEGRITY_FAILED"

  @OBF-B.2-up-1 @OBF-B.2-up-2 @TP/OBF/SEC/UP/BI-03
  Scenario: A packet whose CC was made without the device's integrity key is refused
    When device "A" sends "$PVT,A,12.97160,77.59456" with key index 1 and ReplayCheck
    And an attacker who knows only the ciphering key of device "A" replaces the data with "$ALM,PANIC,CLEAR"
    And the network delivers the packet to the Application Server as coming from device "A" with key index 1
    Then the Application Server refuses with error "INTEGRITY_FAILED"

  @OBF-B.2-up-2 @TP/OBF/SEC/UP/BI-04
  Scenario: A packet rewritten as RC-only with a recomputed CRC is refused
    When device "A" sends "$PVT,A,12.97160,77.59456" with key index 1 and ReplayCheck
    And an attacker rewrites the packet as "$ALM,PANIC,CLEAR" with SPI 01 00 and a recomputed CRC-32
    And the network delivers the packet to the Application Server as coming from device "A" with key index 1
    Then the Application Server refuses with error "INSUFFICIENT_SECURITY"

  @OBF-B.2-up-3 @TP/OBF/SEC/UP/BI-05 @needs-replay-check
  Scenario: A replayed packet is refused
    When device "A" sends "$ALM,PANIC,SET" with key index 1 and ReplayCheck
    And the network delivers the packet to the Application Server as coming from device "A" with key index 1
    And the network delivers the packet to the Application Server as coming from device "A" with key index 1
    Then the Application Server refuses with error "REPLAY"

  @OBF-B.2-up-3 @TP/OBF/SEC/UP/BI-06 @needs-replay-check
  Scenario: A packet with a counter lower than one already accepted is refused
    When device "A" sends "$PVT,1" with key index 1 and ReplayCheck
    And device "A" sends "$PVT,2" with key index 1 and ReplayCheck
    And the network delivers packet 2 to the Application Server as coming from device "A" with key index 1
    And the network delivers packet 1 to the Application Server as coming from device "A" with key index 1
    Then the Application Server refuses with error "REPLAY"

  @OBF-B.2-up-4 @TP/OBF/SEC/UP/BV-02
  Scenario: No plaintext of the device's data crosses the network
    When device "A" sends "$PVT,A,12.97160,77.59456,speed=42" with key index 1 and ReplayCheck
    Then no 4 consecutive bytes of "$PVT,A,12.97160,77.59456,speed=42" appear in the packet

  @OBF-B.2-up-4 @TP/OBF/SEC/UP/BV-03
  Scenario: The same data sent twice gives different packets
    When device "A" sends "$HLM,battery=87" with key index 1 without ReplayCheck
    And device "A" sends "$HLM,battery=87" with key index 1 without ReplayCheck
    Then the two packets differ
