// Which fan Kaiming initialisation scales by: FAN_IN keeps the forward activations' variance, FAN_OUT the
// backward gradients' (torch.nn.init's mode='fan_in' | 'fan_out').
package ai.lethe.nn;

public enum FanMode { FAN_IN, FAN_OUT }
